using JasperFx;
using JasperFx.CommandLine;
using Microsoft.Extensions.DependencyInjection;

namespace PmoLedger.Infrastructure;

/// <summary>
/// Where this service's own commands write their results. Program points Console.Out at stderr while one of
/// them runs, so the result is the only thing on stdout (`TOKEN=$(… token …)`, `verify-projections > report`)
/// and the host's and JasperFx's chatter ("Searching … for commands") goes to stderr.
/// </summary>
public static class CommandOutput
{
    private static readonly string[] Own = ["token", "seed-demo", "export-events", "verify-projections"];

    public static TextWriter Result { get; private set; } = Console.Out;

    public static void SeparateFromChatter(string[] args)
    {
        if (!Own.Contains(args.FirstOrDefault())) return;
        Result = Console.Out;
        Console.SetOut(Console.Error);
    }
}

public sealed class TokenInput : NetCoreInput
{
    [Description("admin, auditor or practitioner")]
    public string RoleFlag { get; set; } = Roles.Admin;

    [Description("The practitioner's id (required for --role practitioner)")]
    public string? PractitionerFlag { get; set; }

    [Description("The user name recorded on the events this token causes")]
    public string? NameFlag { get; set; }
}

[Description("Prints a signed development JWT that this service accepts", Name = "token")]
public sealed class TokenCommand : JasperFxAsyncCommand<TokenInput>
{
    public override Task<bool> Execute(TokenInput input)
    {
        var role = input.RoleFlag.ToLowerInvariant();
        if (role is not (Roles.Admin or Roles.Auditor or Roles.Practitioner))
        {
            Console.Error.WriteLine("--role must be admin, auditor or practitioner.");
            return Task.FromResult(false);
        }

        Guid? practitionerId = null;
        if (role == Roles.Practitioner)
        {
            if (string.IsNullOrWhiteSpace(input.PractitionerFlag))
            {
                Console.Error.WriteLine("--practitioner <id> is required for a practitioner token.");
                return Task.FromResult(false);
            }
            if (!Guid.TryParse(input.PractitionerFlag, out var id) || id == Guid.Empty)
            {
                Console.Error.WriteLine($"--practitioner '{input.PractitionerFlag}' is not a practitioner id; use the id (a GUID such as " +
                                        "0196f2a4-7c1e-7d3a-9b8e-2f4c6d8e0a1b) that registering the practitioner answered with.");
                return Task.FromResult(false);
            }
            practitionerId = id;
        }

        // Reads Auth settings the same way the service does, without starting it.
        using var host = input.BuildHost();
        var settings = host.Services.GetRequiredService<AuthSettings>();
        CommandOutput.Result.WriteLine(settings.Mint(role, practitionerId, input.NameFlag, DateTimeOffset.UtcNow));
        CommandOutput.Result.Flush();
        return Task.FromResult(true);
    }
}

[Description("Loads the demo data set into an empty ledger", Name = "seed-demo")]
public sealed class SeedDemoCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // The service is not running here, so no messages can be scheduled: the first start of the
        // service in Development seeds with them, and is the better way to get the demo data.
        var seeded = await DemoData.SeedIfEmptyAsync(store, null, host.Services.GetRequiredService<TimeProvider>(), CancellationToken.None);
        CommandOutput.Result.WriteLine(seeded
            ? "Demo data loaded (without the scheduled two-year career step of the newest analyst; the service's first start in Development seeds with it)."
            : "The ledger already holds data; nothing was loaded.");
        return true;
    }
}
