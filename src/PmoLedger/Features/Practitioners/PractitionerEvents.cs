namespace PmoLedger.Features.Practitioners;

// Every event of a practitioner's stream, in one place: the aggregate (Practitioner.cs) folds
// exactly these, and personal fields are easy to find here: each is a PersonalText, sealed under the
// practitioner's own key in the event store (docs/privacy.md).

/// <summary>An event that carries the business date it happened on (product.md "Time").</summary>
public interface IBusinessEvent
{
    DateOnly OccurredOn { get; }
}

public enum RenewalBasis { ExamPass, Cpd }

public sealed record PractitionerRegistered(Guid PractitionerId, PersonalText FullName, PersonalText Email, DateOnly RegisteredOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RegisteredOn;
}

/// <summary>
/// What was corrected, from what, by whom and on which day. A field that did not change is null,
/// so the audit history shows exactly what changed. Old and new values alike are personal, so sealed.
/// </summary>
public sealed record PractitionerDetailsCorrected(
    Guid PractitionerId, PersonalText? FullName, PersonalText? PreviousFullName, PersonalText? Email, PersonalText? PreviousEmail,
    string CorrectedBy, DateOnly CorrectedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => CorrectedOn;
}

public sealed record RoleStarted(
    Guid RoleId, string Title, RoleFamily RoleFamily, Specialism? Specialism, EmploymentType EmploymentType,
    string Organisation, string Industry, OfficeType OfficeType, DateOnly StartedOn, bool Concurrent) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => StartedOn;
}

public sealed record RoleEnded(Guid RoleId, DateOnly EndedOn, bool EndedBySuccessor) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => EndedOn;
}

public sealed record CareerLevelReached(CareerLevel Level, CareerLevel? Previous, DateOnly EffectiveOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => EffectiveOn;
}

/// <summary>A provider recorded that the practitioner completed a course. Counts as professional-education CPD.</summary>
public sealed record TrainingCompleted(
    Guid CompletionId, Guid ProviderId, string ProviderName, string ProviderReference,
    string CourseCode, string CourseTitle, DateOnly CompletedOn, TrainingOutcome Outcome,
    decimal? Score, decimal CpdPoints, PersonalText? EvidenceUrl) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => CompletedOn;
}

/// <summary>The posting provider withdrew a completion. It stays in history, marked revoked, and stops counting.</summary>
public sealed record CompletionRevoked(Guid CompletionId, Guid ProviderId, string Reason, DateOnly RevokedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RevokedOn;
}

/// <summary>CourseCode (optional) names the course the activity was, so a provider's completion can attest it.</summary>
public sealed record CpdActivityLogged(
    Guid ActivityId, CpdCategory Category, decimal Points, PersonalText Title, PersonalText Reflection, DateOnly OccurredOn,
    PersonalText? EvidenceUrl, string? CourseCode = null) : IBusinessEvent;

/// <summary>A provider (or an admin) recorded a certification. RuleVersion is the CPD scheme its first cycle runs under.</summary>
public sealed record CertificationAwarded(
    Guid CertificationId, string Code, string Name, DateOnly AwardedOn, PersonalText CertificateNumber,
    DateOnly RenewBy, string RuleVersion, Guid? ProviderId) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => AwardedOn;
}

/// <summary>
/// A new cycle [CycleStart, RenewBy) began. Normally CycleStart is the previous renewBy; after a
/// lapse (AfterExpiry) a new exam pass starts the cycle on the day of the pass.
/// </summary>
public sealed record CertificationRenewed(
    Guid CertificationId, string Code, RenewalBasis Basis, DateOnly RenewedOn, DateOnly CycleStart, DateOnly RenewBy,
    string RuleVersion, Guid? CompletionId, bool AfterExpiry) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RenewedOn;
}

/// <summary>
/// A renewal by CPD no longer stands: the cycle it closed was met only with an activity a CPD audit has since rejected.
/// The cycle that renewal started is withdrawn; the previous one (to ReinstatedRenewBy) is current again.
/// </summary>
public sealed record CertificationRenewalWithdrawn(Guid CertificationId, string Code, DateOnly WithdrawnCycleStart, DateOnly ReinstatedRenewBy,
    DateOnly WithdrawnOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => WithdrawnOn;
}

/// <summary>The certification reached its renewBy date without being renewed.</summary>
public sealed record CertificationExpired(Guid CertificationId, string Code, DateOnly ExpiredOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => ExpiredOn;
}

/// <summary>
/// The awarding provider (or an admin) withdrew a mistaken award. It stays in history marked revoked and stops
/// counting: no renewals, no expiry, no CPD cycle, and its digital credentials are revoked (credentials.md).
/// </summary>
public sealed record CertificationRevoked(Guid CertificationId, string Code, string Reason, DateOnly RevokedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RevokedOn;
}

/// <summary>
/// A signed Open Badges credential was issued (credentials.md). Basis names the fact it stands for (a certification
/// cycle, a career level, a met CPD cycle), so a later settlement knows what is already held. The subject's email is
/// only ever present as a salted hash; the salt is sealed under the practitioner's key, so once their data is erased
/// nobody can match the hash to an address any more.
/// </summary>
public sealed record CredentialIssued(
    Guid CredentialId, string AchievementId, string Name, string Basis, DateOnly ValidFrom, DateOnly? ValidUntil,
    int StatusList, int StatusIndex, Guid SubjectId, string IdentityHash, PersonalText Salt, string KeyId, DateOnly IssuedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => IssuedOn;
}

/// <summary>The fact behind a credential was corrected away, or the person's data erased: its status bit is set.</summary>
public sealed record CredentialRevoked(Guid CredentialId, string Reason, DateOnly RevokedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => RevokedOn;
}

public sealed record GoalSet(
    Guid GoalId, DevelopmentDimension Dimension, PersonalText Description, RoleFamily? TargetRoleFamily, CareerLevel? TargetLevel,
    DateOnly TargetDate, DateOnly SetOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => SetOn;
}

public sealed record GoalAchieved(Guid GoalId, EvidenceKind EvidenceKind, Guid EvidenceId, DateOnly AchievedOn) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => AchievedOn;
}

/// <summary>
/// The practitioner's data key was destroyed: every personal field sealed under it now reads "[erased]".
/// Who erased and when are the event's metadata; the reason is the administrator's, not personal data.
/// </summary>
public sealed record PersonalDataErased(string Reason);
