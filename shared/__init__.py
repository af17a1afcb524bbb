"""Code every process of the project shares: settings, events, Mongo access, signing."""
