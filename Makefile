# Two commands: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export FLASK_APP := core:create_app

.PHONY: run test install lint translations translations-extract fonts clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations fonts

# Static Regular/Bold cuts of the bundled variable fonts, built once per machine (~4 s),
# so neither the first PDF nor the test-suite pays for it.
fonts: $(STAMP)
	@$(BIN)/python -c "from core.documents.fonts import prepare_fonts; prepare_fonts()"

translations: $(STAMP)
	@for d in core/translations plugins/*/translations; do \
	  if [ -d $$d ]; then $(BIN)/pybabel compile -q -f -d $$d 2>/dev/null || $(BIN)/pybabel compile -f -d $$d; fi; \
	done

# Core's catalogue only (each plugin keeps its own, in plugins/<name>/translations).
translations-extract: $(STAMP)
	$(BIN)/pybabel extract -F core/translations/babel.cfg -k _l -k lazy_gettext -o core/translations/messages.pot core
	$(BIN)/pybabel update --no-fuzzy-matching -i core/translations/messages.pot -d core/translations

# A local instance: its own secret key, and cookies allowed over plain http://127.0.0.1.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}'); print('SESSION_COOKIE_SECURE = False'); print('REMEMBER_COOKIE_SECURE = False')" > $@

run: install instance/config.py
	$(BIN)/ctc db upgrade
	$(BIN)/ctc demo --if-empty
	$(BIN)/ctc run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
