
namespace PmoLedger.Features.Practitioners;


public static class ReassessCareerLevelHandler
{
    /// <summary>
    /// Fires on the day the 2-year threshold was due. Idempotent: it records only the steps the
    /// role history implies and the ledger lacks, so a stale or repeated message changes nothing.
    /// </summary>
    [AggregateHandler]
    public static (Events, OutgoingMessages) Handle(ReassessCareerLevel message, Practitioner practitioner, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var (steps, reassessOn) = practitioner.CareerAfter([], Clock.DayOf(now));
        return ([.. steps], Career.Reassessment(practitioner.Id, reassessOn, now).ToOutgoing());
    }
}
