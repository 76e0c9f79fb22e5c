"""partygraph: organisation work of Party grassroots organisations."""

__version__ = "0.1.0"
