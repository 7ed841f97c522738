"""Page presenters: what each HTML page shows, read through the services and the rulebook's
capabilities. They read; the services and app/rules/ decide."""
