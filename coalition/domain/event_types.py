"""The registry of every event type the application records, and which of their fields are personal.

The coalition, organisation and statement domains register their event schemas here. Below, each
event type says once which payload fields are personal data and whose (`events/personal.py`): those
fields are stored encrypted under that person's key and read as "erased person" (a name) or empty
(other text) once the person is erased. A new event type adds one line here;
`tests/unit/test_personal_fields.py` fails for a registered type that is missing.
"""

from events import Registry
from events.personal import ACTOR

registry = Registry()
personal = registry.personal

# The person's own data, under their key (the payload field that holds their user id).
personal.declare("UserRegistered", "user_id", names=("name",))
personal.declare("MandateGranted", "user_id", texts=("title",))
personal.declare("StatementSigned", "user_id", names=("signer_name",), texts=("signer_title",))
personal.declare("SignatureConfirmed", "user_id", names=("signer_name",), texts=("signer_title",))
personal.declare("SignatureWithdrawn", "user_id", texts=("reason",))
personal.declare("StatementEndorsed", "user_id", names=("name",), texts=("title",))
# A mandate's title offered to someone without an account yet: under the invitation's own key, which
# erasing the person who redeemed it destroys too.
personal.declare("InvitationIssued", "invitation_id", texts=("title",))
# The domain of a verified address (printed beside a signer's organisation) can name the person
# (a personal domain): under their key, empty once they are erased.
personal.declare("EmailVerified", "user_id", texts=("domain",))
# Free text a person wrote about an organisation, a role or a piece of work (it may name people):
# under its author's key, the actor in the metadata.
for _type, _field in (
    ("MembershipDeclined", "reason"),
    ("MemberSuspended", "reason"),
    ("MemberReinstated", "reason"),
    ("MemberLeft", "reason"),
    ("RoleRemoved", "reason"),
    ("CommitmentFulfilled", "note"),
    ("CommitmentWithdrawn", "reason"),
    ("CommitmentRescheduled", "reason"),
    ("TaskCompleted", "note"),
    ("TaskReassigned", "reason"),
    ("TaskDropped", "reason"),
    ("CoalitionClosed", "reason"),
    ("ObjectiveProgressRecorded", "note"),  # progress lane
):
    personal.declare(_type, ACTOR, texts=(_field,))

# Ids, dates, states and the organisations' and coalitions' own texts: nothing personal.
personal.none(
    "ApiTokenCreated",
    "ApiTokenRevoked",
    "PasswordReset",
    "PasswordChanged",
    "AccountClosed",
    "PersonErased",
    "InvitationRevoked",
    "InvitationRedeemed",
    "OrganisationCreated",
    "AdministratorAdded",
    "AdministratorRemoved",
    "MemberVerified",
    "MemberVerificationWithdrawn",
    "MandateRevoked",
    "CoalitionFounded",
    "AgreementAmended",
    "MembershipRequested",
    "MemberInvited",
    "MembershipApproved",
    "InvitationAccepted",
    "RoleAssigned",
    "CommitmentPledged",
    "TaskCreated",
    "TaskAccepted",
    "StatementDrafted",
    "DraftRevised",
    "TranslationSet",
    "StatementOpened",
    "StatementAmended",
    "StatementClosed",
    "StatementPublished",
    "ReportPublished",
)
# Evaluation rounds: the questions are the coalition's, the answers the responding organisation's own
# (given on its behalf, like a statement's text), the summary and lessons the coalition's.
personal.none("EvaluationOpened")
personal.none("EvaluationResponded")
personal.none("EvaluationClosed")
