"""groupbot core: events, dispatcher, context, config, store, scheduler, outbox, clock, CLI."""
