"""Signals that let one concept react to another without importing it."""
from blinker import Namespace

_signals = Namespace()

#: Sent after a new account is committed: sender=app, user=User, invite=Invite|None.
user_registered = _signals.signal("user-registered")

#: Sent inside the transaction that first completes an enrolment:
#: sender=app, session=Session, enrolment=Enrolment, course=content.Course.
course_completed = _signals.signal("course-completed")
