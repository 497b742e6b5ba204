# Entry points; the scripts under scripts/ do the work (see each for details).
.PHONY: setup setup-browser run test lint bench clean

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup.sh --browser

# The class server: Redis (127.0.0.1:6380), a Celery worker, Celery beat and gunicorn on
# http://127.0.0.1:8000, under supervisord (a child that dies is restarted); Ctrl-C stops all.
run: setup
	scripts/run.sh

# Lint, Django checks, migrations check, then the whole pytest suite (incl. worker + browser).
test: setup-browser
	scripts/test.sh

lint: setup
	scripts/lint.sh

# Micro-benchmarks, then the class benchmark (60 trainees, 2 minutes, on the real stack).
# Options go in ARGS, e.g. make bench ARGS="class --trainees 200 --postgres --chaos".
bench: setup
	scripts/bench.sh $(ARGS)

clean:
	rm -rf .run staticfiles test-artifacts .pytest_cache .ruff_cache .hypothesis .test-db.sqlite3*
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +
