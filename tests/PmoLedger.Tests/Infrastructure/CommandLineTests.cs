using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PmoLedger.Features.Demo;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>The command line and start-up messages a newcomer reads.</summary>
public class CommandLineTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        // The service's own build output (its deps and runtime config), as `dotnet run` would start it.
        var dll = Path.Combine(Path.GetDirectoryName(typeof(CommandLineTests).Assembly.Location)!
            .Replace(Path.Combine("tests", "PmoLedger.Tests"), Path.Combine("src", "PmoLedger")), "PmoLedger.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var arg in new[] { dll }.Concat(args)) start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__Ledger"] = Environment.GetEnvironmentVariable("ConnectionStrings__Ledger");
        start.Environment["Demo__SeedOnStart"] = "false";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task token_prints_the_token_alone_on_stdout()
    {
        var (code, output, _) = await Run("token", "--role", "auditor");
        code.ShouldBe(0);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, output);
        lines[0].Trim().Split('.').Length.ShouldBe(3);

        await As(lines[0].Trim(), s =>
        {
            s.Get.Url("/api/audit/integrity");
            s.StatusCodeShouldBe(200);
        });
    }

    [Fact]
    public async Task add_staff_adds_an_account_once_and_signin_link_prints_a_link_that_signs_it_in()
    {
        var email = $"auditor.{Guid.NewGuid():N}@example.org";
        var (added, output, _) = await Run("add-staff", "--email", email, "--name", "Ava Auditor", "--role", "auditor");
        added.ShouldBe(0);
        output.ShouldContain($"Added auditor {email}");

        var (again, _, refusal) = await Run("add-staff", "--email", email, "--name", "Ava Auditor", "--role", "auditor");
        again.ShouldNotBe(0);
        refusal.ShouldContain($"{email} already has a staff account.");

        var (code, printed, _) = await Run("signin-link", "--email", email);
        code.ShouldBe(0);
        var lines = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(1, printed);
        var secret = lines[0].Trim().Split("/signin/") is [_, var s] ? s : throw new ShouldAssertException($"not a sign-in link: {printed}");

        // The printed link is one the service would honour now, for the account just added.
        await using var session = Store.LightweightSession();
        var link = await session.LoadAsync<PmoLedger.Web.SignInLink>(PmoLedger.Web.SignInLinks.Hash(secret));
        PmoLedger.Web.SignInLinks.Decide(link, DateTimeOffset.UtcNow).ShouldBe(PmoLedger.Web.Redemption.SignedIn);
        var account = await PmoLedger.Web.Account.FindAsync(session, link!.AccountKey, CancellationToken.None);
        account.ShouldNotBeNull();
        account.Staff!.Role.ShouldBe(Roles.Auditor);
    }

    [Fact]
    public async Task signin_link_for_an_unknown_address_says_so_and_prints_no_link()
    {
        var (code, output, error) = await Run("signin-link", "--email", "nobody.at.all@example.org");
        code.ShouldNotBe(0);
        output.ShouldNotContain("/signin/");
        error.ShouldContain("No account uses nobody.at.all@example.org.");
    }

    [Fact]
    public async Task a_malformed_practitioner_id_is_named_and_nothing_is_printed_on_stdout()
    {
        var (code, output, error) = await Run("token", "--role", "practitioner", "--practitioner", "jo-bloggs");
        code.ShouldNotBe(0);
        output.Trim().ShouldBeEmpty();
        error.ShouldContain("'jo-bloggs' is not a practitioner id");
    }

    [Fact]
    public async Task a_long_command_redirected_prints_its_result_and_no_progress()
    {
        await RegisterPractitioner();
        await RegisterPractitioner();
        var file = Path.Combine(Path.GetTempPath(), $"pmoledger-export-{Guid.NewGuid():N}.ndjson");
        try
        {
            var (code, output, _) = await Run("export-events", "--file", file);
            code.ShouldBe(0);
            output.Trim().ShouldBe($"Wrote 2 events to {file}.");
            (await File.ReadAllLinesAsync(file)).Length.ShouldBe(2);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task the_log_says_why_demo_data_was_not_loaded()
    {
        await RegisterPractitioner();
        var logger = new CapturingLogger();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Demo:SeedOnStart"] = "true" }).Build();
        var service = new DemoDataOnFirstStart(Store, Host.Services.GetRequiredService<KeyRing>(), Host.Services.GetRequiredService<IServiceScopeFactory>(), Clock, configuration, logger);

        await service.StartAsync(CancellationToken.None);
        await service.ExecuteTask!;

        logger.Messages.ShouldContain(m => m.Contains("Demo data not loaded") && m.Contains("already holds"));
    }

    private sealed class CapturingLogger : ILogger<DemoDataOnFirstStart>
    {
        public List<string> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
