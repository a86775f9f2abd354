"""The CLI's command groups, one module each; ``tracktion.cli`` registers them on the app."""
