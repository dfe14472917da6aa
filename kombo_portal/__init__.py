"""kombo-portal: the Settings → Integrations page of a SaaS portal, on Kombo Connect."""
