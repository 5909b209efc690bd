# Shortcuts for the two set-up commands (make is optional: python3 run.py does the work).
.PHONY: lab test

lab:
	python3 run.py lab

test:
	python3 run.py test
