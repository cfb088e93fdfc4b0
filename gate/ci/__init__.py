"""CI integrations (GitHub, GitLab). All HTTP of the package lives here."""
