"""One module a command; each registers itself on :data:`sidomain_cli.app.app`."""
