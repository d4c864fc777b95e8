namespace PmoLedger.Infrastructure;

public static class Clock
{
    /// <summary>Business dates are calendar dates in UTC.</summary>
    public static DateOnly Today(this TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>The instant a business date begins (UTC midnight).</summary>
    public static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
