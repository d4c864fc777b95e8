using System.Text.Json;
using Alba;

namespace PmoLedger.Tests.Features.Providers;

/// <summary>Scenario helpers for tests that act as a training provider with a real API key.</summary>
public abstract class ProviderContext(AppFixture fixture) : IntegrationContext(fixture)
{
    protected sealed record RegisteredProvider(Guid Id, string Name, string ApiKey);

    protected async Task<RegisteredProvider> RegisterProvider(string name = "PMO Academy")
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { name }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        var body = await result.Json();
        return new RegisteredProvider(body.GetProperty("id").GetGuid(), body.Str("name"), body.Str("apiKey"));
    }

    /// <summary>Runs a scenario authenticated by an API key.</summary>
    protected Task<IScenarioResult> WithKey(string apiKey, Action<Scenario> configure) => Host.Scenario(s =>
    {
        s.WithRequestHeader("X-Api-Key", apiKey);
        configure(s);
    });

    protected static object Completion(string reference = "ref-1", string code = "PMO-101", string title = "Intro to P3O",
        string completedOn = "2026-01-15", string outcome = "passed", decimal? score = 0.85m, decimal cpdPoints = 7,
        string? evidenceUrl = null) =>
        new { providerReference = reference, course = new { code, title }, completedOn, outcome, score, cpdPoints, evidenceUrl };

    protected Task<IScenarioResult> PostCompletion(string apiKey, Guid practitionerId, object body, int status = 201) =>
        WithKey(apiKey, s =>
        {
            s.Post.Json(body).ToUrl($"/api/practitioners/{practitionerId}/completions");
            s.StatusCodeShouldBe(status);
        });

    protected async Task<Guid> Complete(string apiKey, Guid practitionerId, object body) =>
        (await (await PostCompletion(apiKey, practitionerId, body)).Json()).GetProperty("completionId").GetGuid();

    /// <summary>Fires requests at the same moment and returns their status codes and bodies.</summary>
    protected async Task<(int Status, string Body)[]> AllAtOnce(int count, Func<int, Action<Scenario>> request)
    {
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await start.WaitAsync();
            var result = await Host.Scenario(s =>
            {
                request(i)(s);
                s.IgnoreStatusCode();
            });
            return (result.Context.Response.StatusCode, await result.ReadAsTextAsync());
        }).ToList();
        start.Release(count);
        return await Task.WhenAll(tasks);
    }

    protected static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
