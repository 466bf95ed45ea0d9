# The two commands a newcomer needs (see README.md):
#   make demo   sync the bundled fixtures from a local Dovecot into SQLite and print a week
#   make test   install what is missing, build, and run the whole test suite against real servers
.PHONY: demo test build clean

demo:
	scripts/demo

test:
	scripts/test

build:
	swift build

clean:
	rm -rf .build demo-run
