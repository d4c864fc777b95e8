using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Marten;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// The web pages a long career makes heaviest: `/me` (as the practitioner) and `/audit/practitioners/{id}` (as an
/// auditor) for a practitioner with 1,000 events, each read through a real browser session, beside the timeline API
/// (auditor JWT) for the same practitioner in the same run. Target: p95 under 50 ms per page (issue #13).
/// </summary>
public static partial class PagesPhase
{
    public static async Task<object> RunAsync(Settings settings, IDocumentStore store)
    {
        const int events = 1_000;
        Console.WriteLine($"\n== Web pages for a practitioner with {events:N0} events (sequential reads, one at a time)");
        await using var service = settings.StartService(settings.Connection);
        await service.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
        var run = Guid.NewGuid().ToString("N")[..8];

        using var admin = new HttpClient { BaseAddress = service.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = IngestWorkload.Admin;
        var email = $"long.career.{run}@example.org";
        using var registered = await admin.PostAsync("/api/practitioners",
            new StringContent(JsonSerializer.Serialize(new { fullName = "Lena Longcareer", email }), Encoding.UTF8, "application/json"));
        registered.EnsureSuccessStatusCode();
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The career itself is appended in one go through a store configured as the service's (same inline
        // projections): how the events arrived does not change what the pages read.
        var provider = Guid.NewGuid();
        var first = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-events);
        await using (var session = store.LightweightSession())
        {
            session.Events.Append(id, Enumerable.Range(0, events - 1).Select(i => (object)new TrainingCompleted(
                Guid.NewGuid(), provider, "Bulk Academy", $"BULK-{i}", $"C-{i:0000}", $"Course number {i}",
                first.AddDays(i), TrainingOutcome.Completed, null, 1, null)).ToArray());
            await session.SaveChangesAsync();
        }

        var auditorEmail = $"auditor.{run}@example.org";
        await CommandAsync(settings, "add-staff", "--email", auditorEmail, "--name", "Bench Auditor", "--role", "auditor");
        using var practitioner = await SignedInAsync(settings, service.BaseAddress, email);
        using var auditor = await SignedInAsync(settings, service.BaseAddress, auditorEmail);
        using var api = new HttpClient { BaseAddress = service.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Settings.Auth.Mint(Roles.Auditor, null, null, DateTimeOffset.UtcNow));

        var targets = new (string Name, HttpClient Client, string Path)[]
        {
            ("GET /me", practitioner, "/me"),
            ("GET /audit/practitioners/{id}", auditor, $"/audit/practitioners/{id}"),
            ("GET /api/practitioners/{id}/timeline", api, $"/api/practitioners/{id}/timeline")
        };
        var iterations = settings.Quick ? 20 : 200;
        var p95s = targets.ToDictionary(t => t.Name, _ => new List<double>());
        var p50s = targets.ToDictionary(t => t.Name, _ => new List<double>());
        var bytes = new Dictionary<string, long>();
        for (var round = 0; round <= settings.Runs; round++)
        {
            // Run 0 is warm-up: the first reads of each page compile its view and fill the connection pool.
            var histograms = targets.ToDictionary(t => t.Name, _ => new Histogram());
            for (var i = 0; i < iterations; i++)
            {
                // Interleaved, so drift on the shared machine hits the pages and the API alike.
                foreach (var (name, client, path) in targets)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(path);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    histograms[name].Add(Histogram.Ms(started));
                    if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{name} answered {(int)response.StatusCode}");
                    bytes[name] = body.Length;
                }
            }
            if (round == 0) continue;
            foreach (var (name, histogram) in histograms)
            {
                p95s[name].Add(histogram.Percentile(95));
                p50s[name].Add(histogram.Percentile(50));
            }
        }

        var results = new List<object>();
        foreach (var (name, _, _) in targets)
        {
            var p95 = Ratio.Of(p95s[name]);
            var p50 = Ratio.Of(p50s[name]);
            Console.WriteLine($"  {name,-40} p50 {p50.Median,7:0.00} ms  p95 {p95.Median,7:0.00} ms (runs {string.Join(", ", p95.Runs.Select(r => r.ToString("0.00")))})  {bytes[name] / 1024.0:0.0} KB");
            if (name.StartsWith("GET /api", StringComparison.Ordinal))
                Summary.Lines.Add(new Summary.Line($"{name[4..]} p95 ms", p95, "-", true, $"beside the pages, same practitioner; p50 {p50.Median:0.0} ms; {bytes[name] / 1024.0:0.0} KB"));
            else
                Summary.AtMost($"page {name[4..]} p95 ms", p95, 50,
                    $"absolute ms, 1,000 events, a browser session; p50 {p50.Median:0.0} ms; {bytes[name] / 1024.0:0.0} KB of HTML");
            results.Add(new { target = name, iterations, p50MsByRun = p50.Runs, p95MsByRun = p95.Runs, bytes = bytes[name] });
        }
        return new { events, runs = settings.Runs, results };
    }

    /// <summary>A client holding a browser session: a sign-in link from `signin-link`, redeemed as the page's form does.</summary>
    private static async Task<HttpClient> SignedInAsync(Settings settings, Uri service, string email)
    {
        var link = (await CommandAsync(settings, "signin-link", "--email", email)).Trim();
        var secret = link[(link.LastIndexOf("/signin/", StringComparison.Ordinal) + "/signin/".Length)..];
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = service };
        var form = await client.GetStringAsync($"/signin/{secret}");
        var token = AntiforgeryField().Match(form) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException("The sign-in page has no antiforgery field.");
        using var signIn = await client.PostAsync($"/signin/{secret}",
            new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        if (signIn.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"Signing in {email} answered {(int)signIn.StatusCode}");
        return client;
    }

    /// <summary>One of the service's commands, run as an operator would, on the benchmark's database; its stdout.</summary>
    private static Task<string> CommandAsync(Settings settings, params string[] args) =>
        ChildProcess.RunCommandAsync(settings.ServiceDll, args, settings.ServiceEnvironment(settings.Connection));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
