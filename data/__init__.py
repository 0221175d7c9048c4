"""The bundled demo catalog and taxonomy, installed as the package ``findproject_data``."""
