# The two commands a newcomer needs (see README.md); everything else is the `annotate` CLI.
.PHONY: start test stop

# Main job: set up, start a local Label Studio, push the seed articles, print where to annotate.
start: export ANNOTATE_STOP_COMMAND = make stop
start:
	@scripts/setup.sh
	@.venv/bin/annotate server start
	@.venv/bin/annotate push

# Tests: set up (chromium included), run the whole suite, again the server tests on PostgreSQL,
# then validate the committed exports.
test:
	@scripts/setup.sh --browser
	.venv/bin/python -m pytest
	.venv/bin/python -m pytest -m "server and not browser" --database postgresql
	.venv/bin/annotate validate exports/

stop:
	@.venv/bin/annotate server stop
