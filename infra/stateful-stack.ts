import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb'
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import { Key } from 'aws-cdk-lib/aws-kms'
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3'
import { Secret } from 'aws-cdk-lib/aws-secretsmanager'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { TABLE } from '../lib/core/db/table-definition.js'

export interface StatefulStackProps extends StackProps {
  stage: string
  /** the SNS topic AWS Marketplace gives the product; its notifications feed the queue */
  marketplaceTopicArn?: string
}

/**
 * What must outlive any deployment of the functions: the table, the keys, the files, the
 * marketplace queue and the merchant secret. Everything here is retained on stack deletion.
 */
export class StatefulStack extends Stack {
  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props)
    const { stage } = props
    const exportName = (name: string) => `atrium-${stage}-${name}`

    // Two keys: the table's at-rest key, and the one wrapping per-tenant personal-data keys.
    // Separate, so the functions can be allowed GenerateDataKey on the second without being
    // able to use the first, and so their usage shows apart in CloudTrail.
    const tableKey = new Key(this, 'TableKey', {
      description: `atrium ${stage}: DynamoDB table encryption`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    const piiKey = new Key(this, 'PiiKey', {
      description: `atrium ${stage}: wraps per-tenant personal-data keys`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })

    const key = (name: string) => ({ name, type: AttributeType.STRING })
    const table = new TableV2(this, 'Table', {
      tableName: `atrium-${stage}`,
      partitionKey: key(TABLE.partitionKey),
      sortKey: key(TABLE.sortKey),
      billing: Billing.onDemand(),
      globalSecondaryIndexes: Object.entries(TABLE.indexes).map(([indexName, index]) => ({
        indexName,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
      })),
      timeToLiveAttribute: TABLE.ttlAttribute,
      // directory changes reach who may use which app through the stream (functions/access-events)
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryptionV2.customerManagedKey(tableKey),
      removalPolicy: RemovalPolicy.RETAIN,
    })

    const assets = new Bucket(this, 'Assets', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })

    // Uploaded images (branding, news covers, portal banners): browsers post them here with a
    // presigned policy and read them straight from the bucket. Only `media/*` is public-read, by
    // bucket policy: simpler than a CloudFront distribution (no second origin, no invalidations,
    // nothing to deploy in another region), and enough for images sign-in pages and portals show;
    // a CDN can front the same prefix later without changing a key. Everything else stays private:
    // the drive's files (`drive/<tenantId>/…`) are reached only through short-lived presigned
    // addresses the API gives after its permission check.
    const media = new Bucket(this, 'Media', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: new BlockPublicAccess({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      }),
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      cors: [
        {
          allowedOrigins: ['*'],
          allowedMethods: [HttpMethods.GET, HttpMethods.HEAD, HttpMethods.POST, HttpMethods.PUT],
          allowedHeaders: ['*'],
          // a drive part's ETag, which the browser reports to complete a multipart upload
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        // a multipart upload a browser abandoned halfway is invisible and billed: dropped after a day
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    })
    media.addToResourcePolicy(
      new PolicyStatement({
        sid: 'PublicReadOfServedMedia',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [media.arnForObjects('media/*')],
      }),
    )

    // AWS Marketplace subscription notifications: SNS -> this queue -> a consumer function.
    const marketplaceDlq = new Queue(this, 'MarketplaceDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    })
    const marketplaceQueue = new Queue(this, 'MarketplaceQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      visibilityTimeout: Duration.seconds(60),
      enforceSSL: true,
      deadLetterQueue: { queue: marketplaceDlq, maxReceiveCount: 5 },
    })

    // Stream records the access-events function still fails on after its retries: their
    // description lands here (docs/operations.md), never silently dropped.
    const accessEventsFailures = new Queue(this, 'AccessEventsFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    })

    if (props.marketplaceTopicArn) {
      Topic.fromTopicArn(this, 'MarketplaceTopic', props.marketplaceTopicArn).addSubscription(
        new SqsSubscription(marketplaceQueue),
      )
    }

    const kooGalleryKey = new Secret(this, 'KooGalleryKey', {
      description: `atrium ${stage}: KooGallery merchant key`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    })

    // KooGallery V2 reads orders from its open API: the seller's AK/SK, set by hand as {"ak","sk"}
    const kooGalleryOpenApi = new Secret(this, 'KooGalleryOpenApiCredentials', {
      description: `atrium ${stage}: KooGallery open API AK/SK, {"ak":"…","sk":"…"}`,
      removalPolicy: RemovalPolicy.RETAIN,
    })

    const output = (name: string, value: string) =>
      new CfnOutput(this, name, { value, exportName: exportName(name) })
    output('TableName', table.tableName)
    output('TableArn', table.tableArn)
    output('TableStreamArn', table.tableStreamArn as string)
    output('PiiKeyArn', piiKey.keyArn)
    output('AssetsBucketName', assets.bucketName)
    output('MediaBucketName', media.bucketName)
    output('MediaBucketArn', media.bucketArn)
    output('MediaPublicUrl', `https://${media.bucketRegionalDomainName}`)
    output('MarketplaceQueueArn', marketplaceQueue.queueArn)
    output('AccessEventsFailuresArn', accessEventsFailures.queueArn)
    output('KooGalleryKeySecretArn', kooGalleryKey.secretArn)
    output('KooGalleryOpenApiSecretArn', kooGalleryOpenApi.secretArn)
  }
}
