using Skiff.Bench.Controllers;

return await DeploymentBurst.MainAsync(args);
