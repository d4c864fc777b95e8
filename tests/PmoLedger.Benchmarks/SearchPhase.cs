using System.Diagnostics;
using Marten;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// Staff searching the register (GET /api/practitioners?q=…): the endpoint's own query on a register of
/// 100,000 practitioners, by kind of search. Target: p95 under 50 ms (issue #11).
/// </summary>
public static class SearchPhase
{
    private static readonly string[] First = ["Ada", "Grace", "Alan", "Jo", "Priya", "Tom", "Aisha", "Liam", "Mei", "Olu", "Sara", "Tariq", "Nina", "Owen", "Ruth", "Kofi"];
    private static readonly string[] Last = ["Smith", "Jones", "Patel", "Okafor", "Nguyen", "Brown", "Wilson", "Khan", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Edwards", "Green", "Lovelace", "Hopper"];
    private static readonly string[] Domains = ["example.org", "nhs.example", "energy.example", "gov.example", "bank.example"];

    public static async Task<object> RunAsync(Settings settings, IDocumentStore store, Npgsql.NpgsqlDataSource db)
    {
        var size = settings.Quick ? 5_000 : 100_000;
        Console.WriteLine($"\n== Practitioner search ({size:N0} practitioners registered)");
        await SeedAsync(store, db, size);

        var page = new Paging(1, 20);
        var searches = new (string Kind, SearchPractitionersEndpoint.Search Search)[]
        {
            ("q: part of a surname", new("okaf", null, null, page)),
            ("q: one person's email", new($"sara.green{size / 2 / 288 * 288 + 250}@", null, null, page)),
            ("q: a domain (a fifth of all)", new("energy.example", null, null, page)),
            ("q + careerLevel", new("patel", null, CareerLevel.Managing, page)),
            ("organisation", new(null, "organisation 17", null, page)),
            ("careerLevel only", new(null, null, CareerLevel.Directing, page)),
            ("no filter, page 200", new(null, null, null, new Paging(200, 20)))
        };
        var iterations = settings.Quick ? 20 : 100;
        var results = new List<object>();
        var worst = new List<double>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            var all = new Histogram();
            foreach (var (kind, search) in searches)
            {
                var histogram = new Histogram();
                for (var i = 0; i < iterations; i++)
                {
                    await using var session = store.QuerySession();
                    var started = Stopwatch.GetTimestamp();
                    var found = await SearchPractitionersEndpoint.Find(session, search, CancellationToken.None);
                    histogram.Add(Histogram.Ms(started));
                    if (i == 0 && found.Total == 0) Console.WriteLine($"  ! '{kind}' found nobody");
                }
                all.AddRange(histogram);
                if (run == settings.Runs)
                {
                    Console.WriteLine($"  {kind,-30} p50 {histogram.Percentile(50),7:0.00} ms  p95 {histogram.Percentile(95),7:0.00} ms");
                    results.Add(new { kind, iterations, p50Ms = Math.Round(histogram.Percentile(50), 3), p95Ms = Math.Round(histogram.Percentile(95), 3) });
                }
            }
            worst.Add(all.Percentile(95));
        }
        var p95 = Ratio.Of(worst);
        Console.WriteLine($"  all kinds together: p95 {p95.Median:0.00} ms (runs {string.Join(", ", p95.Runs)}) [target < 50 ms]");
        Summary.AtMost($"search p95 ms, {size / 1000}k registered", p95, 50,
            "absolute milliseconds, not a ratio: p95 over every kind of search, the endpoint's own query");
        return new { practitioners = size, runs = settings.Runs, p95MsByRun = p95.Runs, byKind = results };
    }

    /// <summary>A register of <paramref name="size"/> listings, as the projection writes them.</summary>
    private static async Task SeedAsync(IDocumentStore store, Npgsql.NpgsqlDataSource db, int size)
    {
        var levels = Enum.GetValues<CareerLevel>();
        var listings = Enumerable.Range(0, size).Select(i =>
        {
            var (first, last) = (First[i % First.Length], Last[i / First.Length % Last.Length]);
            var listing = new PractitionerListing { Id = Guid.CreateVersion7(), CareerLevel = levels[i % levels.Length] };
            listing.Name($"{first} {last}", $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{i}@{Domains[i % Domains.Length]}");
            listing.OpenRoles.Add(new PractitionerListing.OpenRole(Guid.CreateVersion7(), $"Organisation {i % 200}", new DateOnly(2020, 1, 1), false));
            listing.SettleOrganisation();
            return listing;
        }).ToList();
        await store.Advanced.Clean.DeleteDocumentsByTypeAsync(typeof(PractitionerListing));
        await store.BulkInsertDocumentsAsync(listings, batchSize: 5_000);
        await using var analyze = db.CreateCommand($"analyze {LedgerStore.Schema}.mt_doc_practitionerlisting");
        await analyze.ExecuteNonQueryAsync();
    }
}
