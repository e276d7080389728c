class DomainError(Exception):
    """A business rule was broken. Views show `message` (already translated) to the user."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code
