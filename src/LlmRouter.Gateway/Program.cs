using LlmRouter;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args[1], Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddLlmRouterLogging();
builder.Services.AddLlmRouter(builder.Configuration);

var app = builder.Build();
app.MapLlmRouter();
app.Run();
return 0;

/// <summary>The gateway host; public so integration tests can start it with WebApplicationFactory.</summary>
public partial class Program;
