"""Users, teams and their memberships (issue 15): validate → check the caller → write → audit →
commit → invalidate, as gateway/keys/service.py does for keys."""
