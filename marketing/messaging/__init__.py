"""MSG: messages, their recipients (immutable history), the send pipeline, delivery backends."""
