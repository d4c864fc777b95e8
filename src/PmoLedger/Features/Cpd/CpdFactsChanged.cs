using PmoLedger.Features.Certifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

/// <summary>
/// What counts as a practitioner's CPD changed after the fact (an activity rejected in an audit). Carries the id only.
/// The one place that reacts: everything that depends on counted CPD is re-settled here.
/// </summary>
public sealed record CpdFactsChanged(Guid PractitionerId);

public static class CpdFactsChangedHandler
{
    /// <summary>
    /// Re-settles certifications from the record as it now stands, and schedules any renewBy that moves.
    /// Credentials for a CPD cycle follow by themselves: the decision that caused this is a credential trigger (CredentialSettlement).
    /// </summary>
    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(CpdFactsChanged message, Practitioner practitioner, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var events = SettleCertificationsHandler.Decide(practitioner, Clock.DayOf(now));
        return ([.. events], CertificationRules.Expiries(practitioner.Id, events, now).ToOutgoing());
    }
}
