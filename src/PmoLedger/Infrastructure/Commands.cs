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
    private static readonly string[] Own = ["token", "seed-demo", "export-events", "verify-projections", "rotate-master-key", "add-staff", "signin-link"];

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

[Description("Re-wraps every data key under a new master key (Privacy:NewMasterKey); events are not touched", Name = "rotate-master-key")]
public sealed class RotateMasterKeyCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var current = PrivacySettings.From(configuration, host.Services.GetRequiredService<IHostEnvironment>()).MasterKey;
        if (configuration["Privacy:NewMasterKey"] is not { Length: > 0 } configured)
        {
            Console.Error.WriteLine("Set the new key as Privacy__NewMasterKey (32 bytes, base64: `openssl rand -base64 32`); it is read from the environment so it never appears in a process list.");
            return false;
        }
        var next = PrivacySettings.Parse(configured);

        await using var connection = new Npgsql.NpgsqlConnection(configuration.GetConnectionString("Ledger"));
        await connection.OpenAsync();
        var count = await KeyRing.RewrapAsync(connection, current, next, CancellationToken.None);
        CommandOutput.Result.WriteLine($"Re-wrapped {count} keys under the new master key. Start every node with Privacy__MasterKey set to it; keep the old one until the backups made under it have expired.");
        return true;
    }
}
