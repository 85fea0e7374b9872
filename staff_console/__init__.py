"""Staff console: conversations, appointments and a JSON API for clinic staff."""
