"""vtasks: one interface to the video-generation task APIs of several providers."""

__version__ = "0.1.0"
__all__ = ["__version__"]
