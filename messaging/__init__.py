"""Provider back ends for members' messages: SMS length and gateways, push, and their delivery callbacks.

Floor: above `customers` (it needs only members, their devices and engagement events), below `campaigns`,
which reaches these back ends through its outbox. It imports nothing from `campaigns`.
"""
