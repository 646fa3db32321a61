using Enigma.Cluster.Host;

return EnigmaCli.Run(args, Console.Out, Console.Error);
