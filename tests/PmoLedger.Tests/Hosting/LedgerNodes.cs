using Alba;
using Microsoft.Extensions.DependencyInjection;
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
    public static async Task<IAlbaHost> Start(string connectionString, bool solo, params (string Key, string Value)[] settings)
    {
        // Read by WebApplication.CreateBuilder, so set before the host is built.
        Environment.SetEnvironmentVariable("ConnectionStrings__Ledger", connectionString);
        Environment.SetEnvironmentVariable("Demo__SeedOnStart", "false");
        Environment.SetEnvironmentVariable("Wolverine__ScheduledJobPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Wolverine__HealthCheckPollingTime", "00:00:00.500");
        Environment.SetEnvironmentVariable("Wolverine__CheckAssignmentPeriod", "00:00:00.500");
        Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Development");
        foreach (var (key, value) in settings) Environment.SetEnvironmentVariable(key, value);
        try
        {
            return await AlbaHost.For<Program>(builder => builder.ConfigureServices(services =>
            {
                if (solo) services.RunWolverineInSoloMode();
            }));
        }
        finally
        {
            foreach (var (key, _) in settings) Environment.SetEnvironmentVariable(key, null);
        }
    }

    public static string AdminToken(this IAlbaHost host) =>
        host.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@test", DateTimeOffset.UtcNow);
}
