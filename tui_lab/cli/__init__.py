"""The command line: argument parsing, trace, models, bench. Starts the app lazily."""
