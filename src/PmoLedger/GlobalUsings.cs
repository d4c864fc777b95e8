// Namespaces every slice uses.
global using System.Security.Claims;
global using Marten;
global using Microsoft.AspNetCore.Authorization;
global using Microsoft.AspNetCore.Mvc;
global using PmoLedger.Infrastructure;
global using Wolverine;
global using Wolverine.Http;
global using Wolverine.Marten;
