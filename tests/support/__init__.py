"""Real parts the tests start on loopback: an upstream, an IdP, gateway processes, databases."""
