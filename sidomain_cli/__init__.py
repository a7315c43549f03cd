"""sidomain: plan private-domain (私域) operations for Chinese retail brands."""

__version__ = "0.1.0"
