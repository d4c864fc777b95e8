using System.Diagnostics;
using System.Text.Json;
using Marten;
using Npgsql;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// Reconstruction as of an instant, the way an auditor's asOf query does it: Marten's
/// AggregateStreamAsync&lt;PractitionerProfile&gt;(id, timestamp) against a prepared select of
/// the stream's events up to that instant, folded with the same projection's Evolve.
/// </summary>
public static class AsOfPhase
{
    public static async Task<object> RunAsync(Settings settings, IDocumentStore store, KeyRing keys, NpgsqlDataSource db)
    {
        Console.WriteLine("\n== As-of reconstruction (PractitionerProfile as of now)");
        var results = new List<object>();
        foreach (var size in settings.AsOfSizes)
        {
            var id = await SeedStreamAsync(store, keys, size);
            var asOf = DateTimeOffset.UtcNow;
            var iterations = Math.Max(3, (settings.Quick ? 2_000 : 20_000) / size);

            // Warm both paths (JIT, prepared statement, page cache) before timing.
            // ...and check the reference reconstructs the same profile, or the comparison means nothing.
            var same = JsonSerializer.Serialize(await Marten(store, id, asOf), RawLedger.Json) == JsonSerializer.Serialize(await Raw(db, id, asOf), RawLedger.Json);
            if (!same) Console.WriteLine($"  ! {size} events: Marten and the raw fold reconstructed different profiles");

            var runs = new List<(double Marten, double Raw)>();
            for (var run = 1; run <= settings.Runs; run++)
            {
                var m = await Time(iterations, () => Marten(store, id, asOf));
                var r = await Time(iterations, () => Raw(db, id, asOf));
                runs.Add((m, r));
            }
            var ratio = Ratio.Of(runs.Select(x => x.Marten / x.Raw));
            Console.WriteLine($"  {size,6} events: Marten {Stats.Median(runs.Select(x => x.Marten)),8:0.00} ms, raw {Stats.Median(runs.Select(x => x.Raw)),8:0.00} ms (medians of {iterations}); ratio {ratio} [target <= 2]");
            Summary.AtMost($"as-of, {size} events", ratio, 2,
                $"Marten {Stats.Median(runs.Select(x => x.Marten)):0.00} ms vs raw {Stats.Median(runs.Select(x => x.Raw)):0.00} ms (median latency)");
            results.Add(new { events = size, iterations, ratio, sameProfile = same, martenMedianMs = runs.Select(x => Math.Round(x.Marten, 3)), rawMedianMs = runs.Select(x => Math.Round(x.Raw, 3)) });
        }
        return results;
    }

    private static async Task<double> Time(int iterations, Func<Task<PractitionerProfile>> action)
    {
        var histogram = new Histogram();
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var profile = await action();
            histogram.Add(Histogram.Ms(started));
            if (profile.Version == 0) throw new InvalidOperationException("Reconstruction folded no events.");
        }
        return histogram.Percentile(50);
    }

    private static async Task<PractitionerProfile> Marten(IDocumentStore store, Guid id, DateTimeOffset asOf)
    {
        await using var session = store.QuerySession();
        return (await session.Events.AggregateStreamAsync<PractitionerProfile>(id, timestamp: asOf))!;
    }

    private static async Task<PractitionerProfile> Raw(NpgsqlDataSource db, Guid id, DateTimeOffset asOf)
    {
        await using var command = db.CreateCommand(
            "select data, mt_dotnet_type, version, timestamp, user_name from ledger.mt_events " +
            "where stream_id = $1 and timestamp <= $2 order by version");
        command.Parameters.Add(RawLedger.Param(id));
        command.Parameters.Add(RawLedger.Param(asOf));
        await using var reader = await command.ExecuteReaderAsync();
        PractitionerProfile? profile = null;
        while (await reader.ReadAsync())
        {
            var data = JsonSerializer.Deserialize(reader.GetString(0), RawLedger.ClrType(reader.GetString(1)), RawLedger.Json)!;
            var e = RawLedger.Wrap(data, id, reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4));
            profile = RawLedger.Profiles.Evolve(profile, id, e);
        }
        return profile!;
    }

    /// <summary>A practitioner with a long history: registration, then roles started and ended in turn.</summary>
    public static async Task<Guid> SeedStreamAsync(IDocumentStore store, KeyRing keys, int size)
    {
        var id = Guid.CreateVersion7();
        var start = new DateOnly(1990, 1, 1);
        var pending = new List<object> { new PractitionerRegistered(id, PersonalText.Of(id, $"As-of {size}"), PersonalText.Of(id, $"asof{size}.{id:N}@example.org"), start) };
        var created = false;
        Guid roleId = default;
        for (var i = 1; i < size; i++)
        {
            var day = start.AddDays(i);
            if (i % 2 == 1)
            {
                roleId = Guid.CreateVersion7();
                pending.Add(new RoleStarted(roleId, $"Role {i}", RoleFamily.Analyst, null, EmploymentType.Contract, "Bench Ltd", "Technology",
                    OfficeType.Project, day, Concurrent: true));
            }
            else pending.Add(new RoleEnded(roleId, day, EndedBySuccessor: false));

            if (pending.Count == 500 || i == size - 1)
            {
                await using var session = store.LightweightSession();
                if (created) session.Events.Append(id, pending);
                else
                {
                    keys.Store(session, id);
                    session.Events.StartStream<Practitioner>(id, pending);
                }
                await session.SaveChangesAsync();
                created = true;
                pending.Clear();
            }
        }
        return id;
    }
}
