using Alba;
using Microsoft.Extensions.DependencyInjection;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Hosting;

/// <summary>Each provider key and each signed-in user has its own share; over it, 429 problem+json with Retry-After.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task a_provider_key_and_each_signed_in_user_get_their_own_share_then_429_with_retry_after()
    {
        // Three requests each, refilled once an hour: the test never races the refill.
        await using var host = await LedgerNodes.Start(await TestDatabases.Fresh("_limits"), solo: true, settings:
        [
            ("RateLimits__ProviderPerWindow", "1"), ("RateLimits__ProviderBurst", "3"),
            ("RateLimits__UserPerWindow", "1"), ("RateLimits__UserBurst", "3"), ("RateLimits__Window", "01:00:00")
        ]);
        var admin = host.AdminToken();
        var auditor = host.Services.GetRequiredService<AuthSettings>().Mint(Roles.Auditor, null, "auditor@test", DateTimeOffset.UtcNow);

        var created = await (await host.Scenario(s =>
        {
            s.WithBearerToken(admin);
            s.Post.Json(new { name = "Limited Academy" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        })).Json();
        var key = created.Str("apiKey");

        await Send(host, s => s.WithBearerToken(admin), 200);
        await Send(host, s => s.WithBearerToken(admin), 200);
        await Refused(await Send(host, s => s.WithBearerToken(admin), 429), "account");

        // Another user and the provider's key are untouched by the admin's use.
        await Send(host, s => s.WithBearerToken(auditor), 200);
        for (var i = 0; i < 3; i++)
            (await Send(host, s => s.WithRequestHeader("X-Api-Key", key), null)).Context.Response.StatusCode.ShouldNotBe(429);
        await Refused(await Send(host, s => s.WithRequestHeader("X-Api-Key", key), 429), "provider key");

        // Anonymous probes are not limited.
        for (var i = 0; i < 5; i++) await host.Scenario(s => { s.Get.Url("/health/live"); s.StatusCodeShouldBe(200); });
    }

    private static Task<IScenarioResult> Send(IAlbaHost host, Action<Scenario> who, int? status) => host.Scenario(s =>
    {
        who(s);
        s.Get.Url("/api/practitioners?limit=1");
        if (status is { } expected) s.StatusCodeShouldBe(expected);
        else s.IgnoreStatusCode();
    });

    private static async Task Refused(IScenarioResult result, string who)
    {
        int.Parse(result.Context.Response.Headers.RetryAfter.ToString()).ShouldBeGreaterThan(0);
        result.Context.Response.ContentType.ShouldNotBeNull().ShouldStartWith("application/problem+json");
        var problem = await result.Json();
        problem.GetProperty("status").GetInt32().ShouldBe(429);
        problem.Str("detail").ShouldContain($"This {who} sent more requests than its share");
    }
}
