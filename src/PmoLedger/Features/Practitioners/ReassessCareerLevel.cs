
namespace PmoLedger.Features.Practitioners;


public static class ReassessCareerLevelHandler
{
    /// <summary>
    /// Fires on the day the 2-year threshold was due. Idempotent: it records only the steps the
    /// role history implies and the ledger lacks, so a stale or repeated message changes nothing.
    /// </summary>
    [AggregateHandler]
    public static async Task<Events> Handle(ReassessCareerLevel message, Practitioner practitioner, TimeProvider clock, IMessageBus bus)
    {
        var (steps, reassessOn) = practitioner.CareerAfter([], clock.Today());
        await Career.ScheduleReassessment(bus, practitioner.Id, reassessOn, clock);
        return [.. steps];
    }
}
