using System.Text;
using System.Text.Json;
using Alba;
using Marten;
using PmoLedger.Features.Xapi;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Xapi;

/// <summary>Scenario helpers for tests that act as a provider's LMS talking to the LRS with HTTP Basic.</summary>
public abstract class XapiContext(AppFixture fixture) : ProviderContext(fixture)
{
    protected const string Completed = "http://adlnet.gov/expapi/verbs/completed";
    protected const string Passed = "http://adlnet.gov/expapi/verbs/passed";
    protected const string Failed = "http://adlnet.gov/expapi/verbs/failed";
    protected const string Attended = "http://adlnet.gov/expapi/verbs/attended";
    protected const string Experienced = "http://adlnet.gov/expapi/verbs/experienced";

    protected sealed record Lrs(Guid ProviderId, string Key, string Secret);

    protected async Task<Lrs> ConnectLms(string name = "PMO Academy")
    {
        var provider = await RegisterProvider(name);
        var body = await (await As(AdminToken, s =>
        {
            s.Post.Url($"/api/providers/{provider.Id}/lrs-credentials");
            s.StatusCodeShouldBe(201);
        })).Json();
        return new Lrs(provider.Id, body.Str("key"), body.Str("secret"));
    }

    protected Task<IScenarioResult> AsLms(Lrs lrs, Action<Scenario> configure, string version = "2.0.0") => Host.Scenario(s =>
    {
        s.WithRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lrs.Key}:{lrs.Secret}")));
        if (version.Length > 0) s.WithRequestHeader("X-Experience-API-Version", version);
        configure(s);
    });

    protected async Task<Guid> Send(Lrs lrs, object statement)
    {
        var result = await AsLms(lrs, s =>
        {
            s.Post.Json(statement).ToUrl("/xapi/statements");
            s.StatusCodeShouldBe(200);
        });
        return (await result.Json())[0].GetGuid();
    }

    protected static object Statement(object actor, string verb = Completed, string activity = "https://lms.example.org/courses/p3o-foundation",
        object? name = null, string? timestamp = "2026-03-02T16:30:00+01:00", object? result = null, object? context = null, Guid? id = null) =>
        new Dictionary<string, object?>
        {
            ["id"] = (id ?? Guid.NewGuid()).ToString(),
            ["actor"] = actor,
            ["verb"] = new { id = verb, display = new Dictionary<string, string> { ["en-US"] = verb.Split('/').Last() } },
            ["object"] = new { objectType = "Activity", id = activity, definition = new { name = name ?? new Dictionary<string, string> { ["en-US"] = "P3O Foundation" } } },
            ["timestamp"] = timestamp,
            ["result"] = result,
            ["context"] = context
        }.Where(p => p.Value is not null).ToDictionary();

    /// <summary>The events that stored statement <paramref name="id"/>, whichever stream holds them.</summary>
    protected async Task<IReadOnlyList<JasperFx.Events.IEvent>> StoredEventsOf(Guid id)
    {
        await using var session = Store.QuerySession();
        var type = JasperFx.Events.EventTypeExtensions.GetEventTypeName<XapiStatementStored>();
        var all = await session.Events.QueryAllRawEvents().Where(e => e.EventTypeName == type).ToListAsync();
        return all.Where(e => ((XapiStatementStored)e.Data).StatementId == id).ToList();
    }

    protected static object Mbox(string email) => new { objectType = "Agent", mbox = $"mailto:{email}" };

    protected async Task<List<JsonElement>> CompletionsOf(Guid providerId) =>
        (await Get<JsonElement>($"/api/providers/{providerId}/completions")).GetProperty("items").EnumerateArray().ToList();
}
