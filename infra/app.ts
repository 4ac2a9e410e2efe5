import { App } from 'aws-cdk-lib'
import { StatefulStack } from './stateful-stack.js'

const app = new App()
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? 'dev'
// TableV2 with a customer-managed key needs a concrete region at synth time.
const region =
  (app.node.tryGetContext('region') as string | undefined) ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1'

new StatefulStack(app, `atrium-${stage}-stateful`, {
  stage,
  marketplaceTopicArn: app.node.tryGetContext('marketplaceTopicArn') as string | undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region },
  tags: { application: 'atrium', stage },
})
