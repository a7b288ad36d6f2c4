"""The commands of `mgrad`, one module each: a click command that parses its options,
calls the library and renders the result. cli/app.py adds them to the group; they share
cli/console.py (consoles, error translation, JSON output) and never import the group."""
