# Entry points; the scripts under scripts/ do the work (see each for details).
.PHONY: setup setup-browser run test lint bench clean

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

# Redis (127.0.0.1:6380), Celery worker + beat and the web server, supervised; Ctrl-C stops all.
run: setup
	scripts/run.sh

# Lint, Django checks, migrations check, then the whole pytest suite (incl. worker + browser).
test: setup-browser
	scripts/test.sh

lint: setup
	scripts/lint.sh

bench: setup
	scripts/bench.sh

clean:
	rm -rf .run staticfiles test-artifacts .pytest_cache .ruff_cache .test-db.sqlite3*
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
