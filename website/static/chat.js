// The clinic's chat widget: the assistant's socket.io channel, plain HTML.
//
// The markup (names, roles, order) is in templates/index.html; this script
// connects, shows messages and quick replies, and keeps the conversation in
// session storage so that a reload keeps it and closing the tab forgets it.
// Protocol (Rasa's socketio channel, as rasa-webchat spoke it):
//   -> session_request {session_id}   <- session_confirm session_id
//   -> user_uttered {message, session_id}   <- bot_uttered {text, quick_replies}
(function () {
  "use strict";

  var STORAGE_KEY = "clinic-chat";
  var TYPING_TIMEOUT_MS = 30000; // stop showing "writing…" if no reply comes

  var panel = document.getElementById("chat-panel");
  var launcher = document.getElementById("chat-launcher");
  if (!panel || !launcher || !window.io || !window.markdownit) {
    return;
  }
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var typing = document.getElementById("chat-typing");
  var status = document.getElementById("chat-status");
  var labels = document.getElementById("chat-labels").content;

  // Markdown from the assistant's responses: links and line breaks only
  // matter; raw HTML is escaped and javascript: links are refused by markdown-it.
  var markdown = window.markdownit({ html: false, linkify: false, breaks: true });

  function label(selector) {
    var node = labels.querySelector(selector);
    return node ? node.textContent : "";
  }

  // ---- state kept across reloads (session storage) --------------------------

  function loadState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.messages)) {
        return saved;
      }
    } catch (error) {
      // unreadable or blocked storage: start afresh
    }
    return { session_id: null, open: false, messages: [] };
  }

  var state = loadState();

  function saveState() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (error) {
      // storage full or blocked: the conversation still works, it is just not kept
    }
  }

  // ---- the connection (one function: how the widget meets the assistant) ----

  /**
   * Connect to the assistant's socket.io channel and start or resume a session.
   *
   * @param {string} url the assistant's public URL
   * @param {?string} sessionId the session to resume, or null for a new one
   * @param {{onSession: function(string), onReply: function(Object), onStatus: function(string)}} on
   * @return {{send: function(string): void}} the connection
   */
  function connectToAssistant(url, sessionId, on) {
    var socket = window.io(url, { path: "/socket.io/", transports: ["websocket", "polling"] });
    var current = sessionId;
    // The server drops a message from a socket it has not bound to a session yet,
    // so what the patient sends before the session is confirmed (a fast typist, a
    // slow server, a reconnection) waits here and goes once it is.
    var confirmed = false;
    var waiting = [];
    function emit(message) {
      socket.emit("user_uttered", { message: message, session_id: current });
    }
    socket.on("connect", function () {
      on.onStatus("connected");
      socket.emit("session_request", { session_id: current });
    });
    socket.on("session_confirm", function (answer) {
      current = typeof answer === "string" ? answer : answer && answer.session_id;
      confirmed = true;
      on.onSession(current); // may send the greeting: it goes before what waited
      waiting.splice(0).forEach(emit);
    });
    socket.on("bot_uttered", function (reply) {
      on.onReply(reply || {});
    });
    socket.on("connect_error", function () {
      on.onStatus("offline");
    });
    socket.on("disconnect", function () {
      confirmed = false; // a new socket is bound again by its session_request
      on.onStatus("offline");
    });
    return {
      send: function (message) {
        if (confirmed) {
          emit(message);
        } else {
          waiting.push(message);
        }
      },
    };
  }

  // ---- showing messages -----------------------------------------------------

  function replyButtons(reply) {
    var buttons = reply.quick_replies || reply.buttons || [];
    return buttons
      .filter(function (b) {
        return b && b.title && b.payload;
      })
      .map(function (b) {
        return { title: String(b.title), payload: String(b.payload) };
      });
  }

  function messageElement(message) {
    var item = document.createElement("div");
    item.className = "chat-msg chat-msg-" + message.from;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = label('[data-from="' + message.from + '"]') + " ";
    item.appendChild(who);
    var body = document.createElement("div");
    body.className = "chat-bubble";
    if (message.from === "bot") {
      body.innerHTML = markdown.render(message.text || "");
    } else {
      body.textContent = message.text;
    }
    item.appendChild(body);
    return item;
  }

  function removeQuickReplies() {
    var groups = log.querySelectorAll(".chat-replies");
    for (var i = 0; i < groups.length; i += 1) {
      groups[i].parentNode.removeChild(groups[i]);
    }
  }

  function showQuickReplies(buttons) {
    removeQuickReplies();
    if (!buttons.length) {
      return;
    }
    var group = document.createElement("div");
    group.className = "chat-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", label('[data-status="replies"]'));
    buttons.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "chat-reply";
      element.textContent = button.title;
      element.addEventListener("click", function () {
        sendMessage(button.title, button.payload);
        input.focus();
      });
      group.appendChild(element);
    });
    log.appendChild(group);
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function render() {
    log.textContent = "";
    state.messages.forEach(function (message) {
      log.appendChild(messageElement(message));
    });
    var last = state.messages[state.messages.length - 1];
    if (last && last.from === "bot" && last.buttons) {
      showQuickReplies(last.buttons);
    }
    scrollToEnd();
  }

  function addMessage(message) {
    removeQuickReplies();
    state.messages.push(message);
    saveState();
    log.appendChild(messageElement(message));
    if (message.buttons) {
      showQuickReplies(message.buttons);
    }
    scrollToEnd();
  }

  // ---- typing indicator and a readable pace between replies -----------------

  var queue = [];
  var showingQueue = false;
  var typingTimer = null;

  function setTyping(on) {
    typing.hidden = !on;
    window.clearTimeout(typingTimer);
    if (on) {
      typingTimer = window.setTimeout(function () {
        typing.hidden = true;
      }, TYPING_TIMEOUT_MS);
    }
  }

  function pause(message) {
    return Math.min(600, 200 + 4 * (message.text || "").length);
  }

  function showNext() {
    if (!queue.length) {
      showingQueue = false;
      setTyping(false);
      return;
    }
    showingQueue = true;
    var message = queue.shift();
    addMessage(message);
    if (queue.length) {
      setTyping(true);
      window.setTimeout(showNext, pause(queue[0]));
    } else {
      showNext();
    }
  }

  function receive(reply) {
    var buttons = replyButtons(reply);
    if (!reply.text && !buttons.length) {
      return;
    }
    var message = { from: "bot", text: String(reply.text || "") };
    if (buttons.length) {
      message.buttons = buttons;
    }
    queue.push(message);
    if (!showingQueue) {
      showNext();
    }
  }

  // ---- opening, closing, sending ----------------------------------------------

  var connection = null;

  function setStatus(name) {
    status.textContent = name === "connected" ? "" : label('[data-status="' + name + '"]');
  }

  function connect() {
    if (connection) {
      return;
    }
    setStatus("connecting");
    connection = connectToAssistant(panel.dataset.socketUrl, state.session_id, {
      onSession: function (sessionId) {
        var isNew = sessionId !== state.session_id;
        state.session_id = sessionId;
        saveState();
        var greeted = state.messages.some(function (message) {
          return message.from === "bot";
        });
        if (isNew && !greeted && panel.dataset.initPayload) {
          setTyping(true);
          connection.send(panel.dataset.initPayload); // the greeting
        }
      },
      onReply: receive,
      onStatus: setStatus,
    });
  }

  function sendMessage(text, payload) {
    text = (text || "").trim();
    if (!text || !connection) {
      return;
    }
    addMessage({ from: "patient", text: text });
    setTyping(true);
    connection.send(payload || text);
  }

  function open(focus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    document.body.classList.add("chat-open");
    state.open = true;
    saveState();
    connect();
    if (focus) {
      input.focus();
    }
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    document.body.classList.remove("chat-open");
    state.open = false;
    saveState();
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    open(true);
  });
  document.getElementById("chat-close").addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    sendMessage(text);
  });

  render();
  if (state.open) {
    open(false);
  }
})();
