"""Record rules: how the portal's records change and what they say, each function in
the caller's database session (the caller commits, or not, once). No other I/O: no
Kombo, no threads, no Reflex. The use cases (kombo_portal.use_cases) call these."""
