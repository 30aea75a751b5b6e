#!/usr/bin/env node
import { createClusterUpdateApp } from '../lib/cluster-update-app';

/** `cdk synth` / `cdk deploy` (region-agnostic unless `-c region=… -c account=…`; see lib/cluster-update-app.ts). */
createClusterUpdateApp();
