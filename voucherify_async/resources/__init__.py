"""Typed, thin resources on top of the transport: orders, async actions, exports."""
