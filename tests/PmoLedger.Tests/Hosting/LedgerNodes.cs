using Alba;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PmoLedger.Infrastructure;
using Wolverine;

namespace PmoLedger.Tests.Hosting;

/// <summary>
/// Further instances of the whole service in this test process, each a node as an operator would run it
/// (several IHosts on one database, as Wolverine's own distribution tests do).
/// </summary>
public static class LedgerNodes
{
    /// <summary>
    /// A node on <paramref name="connectionString"/>. <paramref name="solo"/> runs Wolverine alone (no leader
    /// election); otherwise nodes elect a leader and share the agents, checking every half second.
    /// </summary>
    public static async Task<IAlbaHost> Start(string connectionString, bool solo, TimeProvider? clock = null,
        Action<IServiceCollection>? services = null, params (string Key, string Value)[] settings)
    {
        // Read by WebApplication.CreateBuilder, so set before the host is built.
        Environment.SetEnvironmentVariable("ConnectionStrings__Ledger", connectionString);
        Environment.SetEnvironmentVariable("Demo__SeedOnStart", "false");
        Environment.SetEnvironmentVariable("Wolverine__ScheduledJobPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Wolverine__HealthCheckPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Wolverine__CheckAssignmentPeriod", "00:00:00.500");
        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");
        TestDatabases.NoRateLimits();
        Environment.SetEnvironmentVariable("Wolverine__DurabilityMode", solo ? "Solo" : "Balanced");
        foreach (var (key, value) in settings) Environment.SetEnvironmentVariable(key, value);
        try
        {
            return await AlbaHost.For<Program>(builder => builder.ConfigureServices(s =>
            {
                if (solo) s.RunWolverineInSoloMode();
                if (clock is not null)
                {
                    s.RemoveAll<TimeProvider>();
                    s.AddSingleton(clock);
                }
                services?.Invoke(s);
            }));
        }
        finally
        {
            foreach (var (key, _) in settings) Environment.SetEnvironmentVariable(key, null);
        }
    }

    /// <summary>
    /// Runs a test whose extra services use databases of their own: <see cref="Start"/> points the connection-string
    /// variable at their database, and the suite's own service reads it back, so it is restored however the test ends.
    /// </summary>
    public static async Task OnOwnDatabases(Func<Task> test)
    {
        try
        {
            await test();
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConnectionStrings__Ledger", TestDatabases.ApiTests);
        }
    }

    /// <summary>Registers a practitioner through <paramref name="node"/>; their id.</summary>
    public static async Task<Guid> Register(this IAlbaHost node, string token)
    {
        var result = await node.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(new { fullName = "Grace Hopper", email = $"{Guid.NewGuid():N}@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Json()).GetProperty("id").GetGuid();
    }

    /// <summary>Awards a certification due for renewal by <paramref name="renewBy"/>, through <paramref name="node"/>.</summary>
    public static Task Award(this IAlbaHost node, string token, Guid practitionerId, DateOnly renewBy) => node.Scenario(s =>
    {
        s.WithBearerToken(token);
        s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = renewBy.AddYears(-3), certificateNumber = $"C-{Guid.NewGuid():N}" })
            .ToUrl($"/api/practitioners/{practitionerId}/certifications");
        s.StatusCodeShouldBe(201);
    });

    public static string AdminToken(this IAlbaHost host) =>
        host.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@test", DateTimeOffset.UtcNow);
}
