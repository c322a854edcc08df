"""The small web server that serves the chat page, the embeddable widget and its config."""
