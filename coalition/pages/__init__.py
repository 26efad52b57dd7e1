"""The pages people use in a browser: blueprints per page area, calling the same handlers as the API."""
