"""What a patient hears when a part of the system behind Rasa fails.

Rasa 3.6 handles failures in ways a patient cannot see:

- The action server is down or answers with an error: Rasa logs the exception,
  drops the action's events and goes on predicting, so the patient gets no
  reply, or a reply that assumes a step that never happened.
- The action server hangs: Rasa waits 5 minutes (``DEFAULT_REQUEST_TIMEOUT``).
- The lock store (Redis) is unreachable: the message is dropped with a log line.

:func:`install` changes these three things, in every Rasa process:

- Custom action calls get a deadline (``ACTION_SERVER_TIMEOUT_SECONDS``, 10 s
  by default). A failed or late call ends the turn: the patient gets an apology
  with the clinic's phone number (``utter_technical_problem``, or
  ``utter_technical_delay`` when the outcome is unknown: a writing action
  whose call reached the action server), the failed action
  leaves no trace in the conversation, any booking confirmation given in this
  attempt is cleared, and Rasa listens again. The patient's message and the
  apology are saved, so the conversation goes on when the server is back, and
  an active form asks its question again.
- A custom ``action_session_start`` that fails or is late starts the session
  as Rasa's own would, carrying no slot over (the safe side of
  actions/session.py): otherwise the new session never starts and every
  message of a new conversation, a red flag included, gets "Sorry, I'm not
  sure how to help with that".
- A safety reply that fails or is late is given here instead
  (clinic_core/safety_replies.py): a red flag's (``action_emergency``,
  ``action_urgent_symptoms``: the level's advice with the profile's numbers,
  the conversation flagged for staff and any form ended, as the action would
  have done), the reminder the next message gets, a red flag asked about as
  a what-if, and a message in another language. A patient describing an emergency
  while the action server is down hears the emergency number, not "try again
  in a few minutes".
- A lock-store failure gets the same apology, instead of silence.
- Every such failure is logged at ERROR with the word ``ALARM`` and the
  component, for log-based alerting.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from functools import lru_cache, wraps
from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

import aiohttp
from rasa.core.actions.action import (
    ActionExecutionRejection,
    RemoteAction,
    create_bot_utterance,
)
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import (
    ACTION_DEACTIVATE_LOOP_NAME,
    ACTION_LISTEN_NAME,
    ACTION_SESSION_START_NAME,
    REQUESTED_SLOT,
    SESSION_START_METADATA_SLOT,
)
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from redis.exceptions import RedisError

from clinic_core.message_parts import TRIAGE
from clinic_core.names import EMERGENCY_SLOT
from clinic_core.profile import load_profile
from clinic_core.red_flag_screen import SCREEN_CONCEPT
from clinic_core.red_flags import RED_FLAG_ENTITY, RED_FLAG_SLOT
from clinic_core.safety_replies import Reply, red_flag_note, safety_answer
from clinic_core.settings import ActionSettings

logger = logging.getLogger(__name__)

APOLOGY = "utter_technical_problem"
APOLOGY_OUTCOME_UNKNOWN = "utter_technical_delay"
NOTHING_CHANGED_AFTER_RED_FLAG = "utter_nothing_changed_after_red_flag"
# A "yes" belongs to the attempt it was given in: after a failure the patient
# confirms again, so nothing is ever written on a stale confirmation.
CONFIRMATION_SLOTS = ("booking_confirmed", "manage_confirmed")
# The custom actions that write (actions/booking/booking_actions.py). Once a
# call to one of them has reached the action server, a failure (a worker
# killed after COMMIT, an error while building the reply after the write, a
# dropped connection) leaves the outcome unknown: the patient is never told
# that nothing changed. Any other action changes nothing, whatever happens.
WRITING_ACTIONS = frozenset({"action_book_appointment", "action_manage_booking"})

# Set while Rasa runs its prediction loop for a patient's message, the one
# place where a failed action can end the turn with an apology.
_IN_TURN: contextvars.ContextVar[bool] = contextvars.ContextVar("in_turn", default=False)

T = TypeVar("T")


class ActionServerFailure(BaseException):
    """A custom action failed or timed out; ends the turn with an apology.

    A BaseException, like asyncio.CancelledError, so that it passes through
    Rasa's ``except Exception`` around action runs (which would drop it and
    carry on) up to the prediction loop, where it is handled.
    """

    def __init__(
        self,
        action: str,
        outcome_known: bool,
        reason: str,
        tracker: Optional[DialogueStateTracker] = None,
    ) -> None:
        """Remember which action failed, whether it may have taken effect, what it was given.

        ``tracker`` is the copy Rasa gave the action, with what the predicting
        policy added (a red flag's concepts told over two messages).
        """
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.outcome_known = outcome_known
        self.tracker = tracker


def action_timeout() -> float:
    """Seconds a custom action may take before the patient gets an apology.

    ``ACTION_SERVER_TIMEOUT_SECONDS`` (clinic_core/settings.py); a value that is
    not a number fails the Rasa server's start, naming the variable.
    """
    return ActionSettings.load().timeout_seconds


@lru_cache(maxsize=1)
def clinic_phone() -> Dict[str, str]:
    """The clinic's phone number and its ``tel:`` link from clinic/profile.yml."""
    try:
        profile = load_profile()
        return {"phone": profile.phone, "phone_link": profile.phone_link}
    except Exception:  # an apology must never fail because of the profile
        logger.exception("could not read the clinic's phone number for the apology")
        return {"phone": "the clinic", "phone_link": "tel:"}


def alarm(component: str, detail: str) -> None:
    """Log a failure that needs a person, in a form alerting can match."""
    logger.error(f"ALARM {component} unavailable: {detail}")


def never_ran(cause: BaseException) -> bool:
    """Whether the action server certainly did not run the action.

    True only when the connection was never made (refused, unreachable) or
    the server refused the call itself (a 4xx status such as 401: wrong
    shared secret). A dropped connection, a 5xx or anything else may have
    come after the action's write committed.
    """
    if isinstance(cause, aiohttp.ClientConnectorError):
        return True
    return isinstance(cause, aiohttp.ClientResponseError) and 400 <= cause.status < 500


def _guard_remote_action(
    run: Callable[..., Awaitable[List[Any]]]
) -> Callable[..., Awaitable[List[Any]]]:
    @wraps(run)
    async def guarded(self: RemoteAction, *args: Any, **kwargs: Any) -> List[Any]:
        failure: Optional[ActionServerFailure] = None
        try:
            return await asyncio.wait_for(run(self, *args, **kwargs), action_timeout())
        except ActionExecutionRejection:
            raise  # the action declined; Rasa's policies handle that
        except asyncio.TimeoutError:
            failure = ActionServerFailure(self.name(), False, f"no answer in {action_timeout()} s")
        except (RasaException, aiohttp.ClientError) as error:
            # Rasa raises RasaException from (or while handling) aiohttp's error.
            cause = error.__cause__ or error.__context__ or error
            known = self.name() not in WRITING_ACTIONS or never_ran(cause)
            failure = ActionServerFailure(self.name(), known, f"{type(cause).__name__}: {cause}")
        alarm("action server", str(failure))
        given = args[2] if len(args) > 2 else kwargs.get("tracker")
        if self.name() == ACTION_SESSION_START_NAME and given is not None:
            return session_started_without_carrying(given)
        if not _IN_TURN.get():
            raise RasaException(str(failure))
        failure.tracker = given
        raise failure

    return guarded


def session_started_without_carrying(tracker: DialogueStateTracker) -> List[Any]:
    """A new session's events as Rasa's own action gives them, no slot carried over."""
    events: List[Any] = [SessionStarted()]
    metadata = tracker.get_slot(SESSION_START_METADATA_SLOT)
    if metadata is not None:
        events.append(SlotSet(SESSION_START_METADATA_SLOT, metadata))
    return [*events, ActionExecuted(ACTION_LISTEN_NAME)]


async def _say(
    nlg: NaturalLanguageGenerator,
    output_channel: OutputChannel,
    tracker: DialogueStateTracker,
    reply: Reply,
) -> List[BotUttered]:
    """Send ``reply``; its event as Rasa records a response it uttered (none if not sent)."""
    message = await nlg.generate(reply.response, tracker, output_channel.name(), **reply.values)
    if message is None:
        return []
    await output_channel.send_response(tracker.sender_id, message)
    return [create_bot_utterance({**message, "utter_action": reply.response})]


async def _apologise(
    nlg: NaturalLanguageGenerator,
    tracker: DialogueStateTracker,
    output_channel: OutputChannel,
    response: str,
) -> Optional[BotUttered]:
    """Send the apology with the clinic's phone number; the event, if it was sent."""
    sent = await _say(nlg, output_channel, tracker, Reply(response, clinic_phone()))
    return sent[0] if sent else None


async def _safety_without_action_server(
    processor: MessageProcessor,
    output_channel: OutputChannel,
    tracker: DialogueStateTracker,
    failure: ActionServerFailure,
) -> Optional[List[Any]]:
    """Give a safety action's replies here, as the action server would have (None: not one).

    The replies of clinic_core.safety_replies; for a red flag also the
    conversation flagged for staff (logged first, in case sending fails) and
    any form ended. The events to apply, with the action recorded as run: the
    reminders after a red-flag reply look for it. What the action was given
    is read (``failure.tracker``): a red flag told over two messages has its
    concepts there, added by the policy that predicted the action.
    """
    given = failure.tracker or tracker
    latest = given.latest_message
    found = [
        str(entity.get("value"))
        for entity in (latest.entities if latest is not None else [])
        if entity.get("entity") == RED_FLAG_ENTITY
    ]
    parse = latest.parse_data if latest is not None else {}
    profile = load_profile()
    answer = safety_answer(
        failure.action,
        latest.text or "" if latest is not None else "",
        found,
        (parse.get(TRIAGE) or {}).get("set_aside") or [],
        [event.as_dict() for event in tracker.events],
        profile,
    )
    if answer is None:
        return None
    events: List[Any] = [ActionExecuted(failure.action)]
    if answer.level is not None:
        note = red_flag_note(answer.level, answer.concepts, SCREEN_CONCEPT in found)
        logger.error("ALARM red flag in conversation %s: %s", tracker.sender_id, note)
    in_form = answer.level is not None and tracker.active_loop_name is not None
    replies = answer.replies
    if in_form:
        replies = [*replies, Reply(NOTHING_CHANGED_AFTER_RED_FLAG, profile.contact_values())]
    for reply in replies:
        events += await _say(processor.nlg, output_channel, tracker, reply)
    if answer.level is not None:
        events.append(SlotSet(RED_FLAG_SLOT, note))
        if answer.level == "emergency":
            events.append(SlotSet(EMERGENCY_SLOT, True))
    if in_form:
        # As the rules end a form on a red flag: action_deactivate_loop, then no loop.
        events += [
            ActionExecuted(ACTION_DEACTIVATE_LOOP_NAME),
            ActiveLoop(None),
            SlotSet(REQUESTED_SLOT, None),
        ]
    return events


def _guard_turn(
    loop: Callable[[MessageProcessor, OutputChannel, DialogueStateTracker], Awaitable[None]]
) -> Callable[[MessageProcessor, OutputChannel, DialogueStateTracker], Awaitable[None]]:
    @wraps(loop)
    async def guarded(
        self: MessageProcessor, output_channel: OutputChannel, tracker: DialogueStateTracker
    ) -> None:
        token = _IN_TURN.set(True)
        try:
            await loop(self, output_channel, tracker)
        except ActionServerFailure as failure:
            # The failed action's events were never applied to the tracker.
            cleared = [
                SlotSet(slot, None)
                for slot in CONFIRMATION_SLOTS
                if slot in tracker.slots and tracker.get_slot(slot) is not None
            ]
            try:
                answered = await _safety_without_action_server(
                    self, output_channel, tracker, failure
                )
            except Exception:  # the apology below must still go out
                logger.exception("ALARM safety reply without the action server failed")
                answered = None
            if answered is not None:
                tracker.update_with_events([*answered, *cleared], self.domain)
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME), self.domain)
                return
            response = APOLOGY if failure.outcome_known else APOLOGY_OUTCOME_UNKNOWN
            uttered = await _apologise(self.nlg, tracker, output_channel, response)
            events: List[Any] = [uttered] if uttered else []
            events += [*cleared, ActionExecuted(ACTION_LISTEN_NAME)]
            tracker.update_with_events(events, self.domain)
        finally:
            _IN_TURN.reset(token)

    return guarded


def _guard_lock_store(
    handle: Callable[[Agent, UserMessage], Awaitable[Optional[List[Dict[str, Any]]]]]
) -> Callable[[Agent, UserMessage], Awaitable[Optional[List[Dict[str, Any]]]]]:
    @wraps(handle)
    async def guarded(self: Agent, message: UserMessage) -> Optional[List[Dict[str, Any]]]:
        try:
            return await handle(self, message)
        except (LockError, RedisError) as error:
            alarm("lock store", str(error).replace("\n", " "))
            if self.processor is None:
                return None
            tracker = DialogueStateTracker(message.sender_id, self.processor.domain.slots)
            await _apologise(self.processor.nlg, tracker, message.output_channel, APOLOGY)
            return None

    return guarded


def install() -> None:
    """Patch Rasa's action calls, prediction loop and message handling (idempotent)."""
    if getattr(RemoteAction.run, "__wrapped__", None) is None:
        RemoteAction.run = _guard_remote_action(RemoteAction.run)  # type: ignore[method-assign]
    if getattr(MessageProcessor._run_prediction_loop, "__wrapped__", None) is None:
        MessageProcessor._run_prediction_loop = _guard_turn(  # type: ignore[method-assign]
            MessageProcessor._run_prediction_loop
        )
    if getattr(Agent.handle_message, "__wrapped__", None) is None:
        Agent.handle_message = _guard_lock_store(Agent.handle_message)  # type: ignore[method-assign]
